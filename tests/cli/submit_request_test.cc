#include "agent/cli/submit_request.h"

#include <gtest/gtest.h>

namespace sharc::cli {
namespace {

using protocol::Json;

SubmitOptions Options(std::vector<std::string> command = {"true"}) {
  SubmitOptions o;
  o.command = std::move(command);
  return o;
}

// The message of refused flags, or "" if they were accepted.
std::string ErrorOf(const SubmitOptions& options) {
  StatusOr<Json> body = SubmitBody(options);
  if (body.ok()) return "";
  EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
  return body.status().message();
}

TEST(SubmitBodyTest, EncodesTheFlagsWithTheSharedCodec) {
  SubmitOptions o = Options({"sh", "-c", "echo hi"});
  o.cpus = 4;
  o.mem = "2G";
  o.gpus = 1;
  o.gpu_model = "H100";
  o.time = "1h";
  o.name = "hello";
  o.labels = {"zone=a"};
  o.env = {"GREETING=hi there"};
  o.idempotency_key = "k1";
  o.no_requeue = true;
  StatusOr<Json> body = SubmitBody(o);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json::parse(R"({"name":"hello","command":["sh","-c","echo hi"],
      "env":{"GREETING":"hi there"},"cpus":4,"mem_bytes":2147483648,"gpus":1,
      "gpu_model":"H100","time_limit_seconds":3600,"labels":{"zone":"a"},"requeue":false,
      "idempotency_key":"k1"})"));
  // What the scheduler reads back is what the flags asked for.
  bool bulk = true;
  StatusOr<std::vector<protocol::SubmitItem>> items = protocol::DecodeSubmitBody(*body, &bulk);
  ASSERT_TRUE(items.ok()) << items.status().message();
  StatusOr<protocol::SubmitItem> item = SubmitItemFromFlags(o);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ((*items)[0].spec, item->spec);
  EXPECT_EQ((*items)[0].idempotency_key, "k1");
}

TEST(SubmitBodyTest, LeavesTheSchedulersDefaultsOut) {
  StatusOr<Json> body = SubmitBody(Options());
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_FALSE(body->contains("name"));
  EXPECT_FALSE(body->contains("mem_bytes"));
  EXPECT_FALSE(body->contains("time_limit_seconds"));
  EXPECT_FALSE(body->contains("idempotency_key"));
}

// The rules are core's; the CLI only names its own flag in their messages.
// The job starts in a fresh directory of its own: ./train.sh means the one beside the person.
TEST(SubmitBodyTest, ARelativeProgramPathIsMadeAbsoluteAgainstTheSubmitDirectory) {
  auto program = [](const std::string& given) {
    SubmitOptions o = Options({given, "./data"});
    o.submit_dir = "/home/ada/proj";
    StatusOr<protocol::SubmitItem> item = SubmitItemFromFlags(o);
    EXPECT_TRUE(item.ok()) << item.status().message();
    EXPECT_EQ(item->spec.command[1], "./data") << "only the program is resolved";
    return item->spec.command[0];
  };
  EXPECT_EQ(program("./train.sh"), "/home/ada/proj/train.sh");
  EXPECT_EQ(program("bin/../run"), "/home/ada/proj/run");
  EXPECT_EQ(program("/opt/x/run"), "/opt/x/run");
  EXPECT_EQ(program("python3"), "python3") << "a bare name is looked up in PATH";
  SubmitOptions unset = Options({"./train.sh"});
  EXPECT_EQ(SubmitItemFromFlags(unset)->spec.command[0], "./train.sh");
}

TEST(SubmitBodyTest, RefusesWhatTheSchedulerRefusesNamingTheFlag) {
  auto with = [](auto change) {
    SubmitOptions o = Options();
    change(o);
    return ErrorOf(o);
  };
  EXPECT_EQ(with([](SubmitOptions& o) { o.cpus = 0; }), "--cpus: must be between 1 and 65536");
  EXPECT_EQ(with([](SubmitOptions& o) { o.gpus = -1; }), "--gpus: must be between 0 and 1024");
  EXPECT_EQ(with([](SubmitOptions& o) { o.gpu_model = "H100"; }),
            "--gpu-model: given without gpus");
  EXPECT_EQ(with([](SubmitOptions& o) { o.time = "9000h"; }),
            "--time: must be between 1 and 31622400 (366 days), or 0 for the scheduler's "
            "default");
  EXPECT_EQ(with([](SubmitOptions& o) { o.name = "a\tb"; }),
            "--name: must be 1 to 128 printable characters");
  EXPECT_EQ(with([](SubmitOptions& o) { o.env = {"SHARC_JOB_ID=1"}; }),
            "--env: SHARC_JOB_ID: SHARC_* variables are set by sharc");
  EXPECT_EQ(with([](SubmitOptions& o) { o.labels = {"k=" + std::string(64, 'v')}; }),
            "--label: 'k': keys and values are at most 63 printable characters");
  EXPECT_EQ(with([](SubmitOptions& o) { o.idempotency_key = std::string(129, 'k'); }),
            "--idempotency-key: at most 128 characters");
  EXPECT_EQ(with([](SubmitOptions& o) { o.command.clear(); }),
            "the command after --: must name a program to run");
}

TEST(SubmitBodyTest, RefusesFlagsItCannotReadNamingTheFlag) {
  auto with = [](auto change) {
    SubmitOptions o = Options();
    change(o);
    return ErrorOf(o);
  };
  EXPECT_EQ(with([](SubmitOptions& o) { o.mem = "512"; }).rfind("--mem: ", 0), 0u);
  EXPECT_EQ(with([](SubmitOptions& o) { o.time = "soon"; }).rfind("--time: ", 0), 0u);
  EXPECT_EQ(with([](SubmitOptions& o) { o.labels = {"zone"}; }), "--label 'zone': use key=value");
  EXPECT_EQ(with([](SubmitOptions& o) { o.env = {"=x"}; }), "--env '=x': use NAME=value");
}

// 0 in a REST body takes the scheduler's default; `--mem 0M` silently became 1 GiB. (`--time 0s`
// is refused by the duration's own rule.)
TEST(SubmitBodyTest, RefusesZeroMemoryAndTimeInsteadOfTakingTheDefaults) {
  auto with = [](auto change) {
    SubmitOptions o = Options();
    change(o);
    return ErrorOf(o);
  };
  EXPECT_EQ(with([](SubmitOptions& o) { o.mem = "0M"; }),
            "--mem: 0 is no memory; leave --mem out for the scheduler's default");
  EXPECT_EQ(with([](SubmitOptions& o) { o.time = "0s"; }),
            "--time: '0s': a duration must be positive");
}

TEST(NameTheFlagTest, MapsOnlyALeadingFieldName) {
  EXPECT_EQ(NameTheFlag(InvalidArgumentError("mem_bytes: must be positive")).message(),
            "--mem: must be positive");
  EXPECT_EQ(NameTheFlag(InvalidArgumentError("command and env: at most 1 MiB together")).message(),
            "command and env: at most 1 MiB together");
  EXPECT_TRUE(NameTheFlag(Status::Ok()).ok());
}

}  // namespace
}  // namespace sharc::cli
