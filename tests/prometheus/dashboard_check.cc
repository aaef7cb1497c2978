// Checks the Grafana dashboard in configs/prometheus and turns its panel queries into a rules
// file for `promtool check rules`, so that a PromQL syntax error in a panel fails the build.
//
//   prometheus_dashboard_check --dashboard sharc.json --names metrics/names.h
//       --rules recording.yml [--rules alerts.yml ...] --out dashboard_rules.json
//
// It checks that:
//  - the dashboard is strict JSON (no comments, no trailing commas);
//  - its uid is "sharc-overview" and it has a `datasource` variable of type datasource;
//  - every panel uses the data source "${datasource}", sets a unit, and has queries;
//  - the only variable in a query is $__rate_interval;
//  - every sharc_ name in a query, or anywhere in a rules file, is a family of names.h
//    (histograms with their _bucket, _sum and _count series) or a recorded name.
// It writes {"groups": [{"name": "dashboard", "rules": [{"record": "dashboard:expr_N",
// "expr": ...}]}]} with $__rate_interval replaced by 5m (JSON is YAML, so promtool reads it).
//
// Why C++ and not jq or python3: neither is sure to be on a Debian 12 machine, while
// nlohmann/json is already a dependency of sharc. Exits 0 when all is well, 1 otherwise,
// with one line per problem on stderr.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

constexpr std::string_view kUid = "sharc-overview";
constexpr std::string_view kDatasourceUid = "${datasource}";
constexpr std::string_view kRateInterval = "$__rate_interval";

struct Options {
  std::string dashboard;
  std::string names;
  std::vector<std::string> rules;
  std::string out;
};

std::optional<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--dashboard") {
      options.dashboard = value;
    } else if (flag == "--names") {
      options.names = value;
    } else if (flag == "--rules") {
      options.rules.push_back(value);
    } else if (flag == "--out") {
      options.out = value;
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return std::nullopt;
    }
  }
  if (argc % 2 != 1 || options.dashboard.empty() || options.names.empty() ||
      options.rules.empty() || options.out.empty()) {
    std::cerr << "usage: " << argv[0]
              << " --dashboard FILE --names names.h --rules FILE [--rules FILE ...] --out FILE\n";
    return std::nullopt;
  }
  return options;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every match of group 1 of `pattern` in `text`.
std::set<std::string> Captures(const std::string& text, const std::regex& pattern) {
  std::set<std::string> found;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
    found.insert((*it)[1].str());
  }
  return found;
}

// Metric names a query or rules file may use: the families of names.h (with the series of a
// histogram) and the names recorded by the rules files.
std::set<std::string> KnownNames(const std::string& names_h,
                                 const std::vector<std::string>& rules_texts) {
  std::set<std::string> known;
  for (const std::string& family : Captures(names_h, std::regex(R"re("(sharc_[a-z0-9_]+)")re"))) {
    known.insert(family);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) known.insert(family + suffix);
  }
  for (const std::string& rules : rules_texts) {
    known.merge(Captures(rules, std::regex(R"re(record:\s*"?([a-zA-Z_:][a-zA-Z0-9_:]*))re")));
  }
  return known;
}

// The identifiers in `text` that name a sharc series (contain "sharc_") but are not known.
std::set<std::string> UnknownNames(const std::string& text, const std::set<std::string>& known) {
  std::set<std::string> unknown;
  for (const std::string& token : Captures(text, std::regex(R"(([a-zA-Z_:][a-zA-Z0-9_:]*))"))) {
    if (token.find("sharc_") != std::string::npos && !known.contains(token)) {
      unknown.insert(token);
    }
  }
  return unknown;
}

class DashboardChecker {
 public:
  explicit DashboardChecker(const std::set<std::string>& known) : known_(known) {}

  void CheckDashboard(const json& dashboard) {
    if (!dashboard.is_object()) {
      Problem("dashboard", "is not a JSON object");
      return;
    }
    if (dashboard.value("uid", "") != kUid) {
      Problem("dashboard", "uid must be \"" + std::string(kUid) + "\"");
    }
    bool has_datasource_variable = false;
    const json& variables = dashboard.value("templating", json::object()).value("list", json());
    for (const json& variable : variables.is_array() ? variables : json::array()) {
      if (variable.value("name", "") == "datasource" &&
          variable.value("type", "") == "datasource" &&
          variable.value("query", "") == "prometheus") {
        has_datasource_variable = true;
      }
    }
    if (!has_datasource_variable) {
      Problem("dashboard", "needs a variable named datasource of type datasource (prometheus)");
    }
    CheckPanels(dashboard.value("panels", json()));
    if (panels_ == 0) Problem("dashboard", "has no panels");
  }

  const std::vector<std::string>& exprs() const { return exprs_; }
  int panels() const { return panels_; }
  int problems() const { return problems_; }

 private:
  void Problem(const std::string& where, const std::string& what) {
    std::cerr << where << ": " << what << "\n";
    ++problems_;
  }

  void CheckPanels(const json& panels) {
    if (!panels.is_array()) return;
    for (const json& panel : panels) {
      if (!panel.is_object()) continue;
      if (panel.value("type", "") == "row") {
        CheckPanels(panel.value("panels", json()));  // the panels of a collapsed row
      } else {
        CheckPanel(panel);
      }
    }
  }

  void CheckPanel(const json& panel) {
    ++panels_;
    std::string where = "panel \"" + panel.value("title", "(untitled)") + "\"";
    if (!IsDatasourceVariable(panel.value("datasource", json()))) {
      Problem(where, "datasource must be {\"type\": \"prometheus\", \"uid\": \"${datasource}\"}");
    }
    const json& defaults = panel.value("fieldConfig", json::object()).value("defaults", json());
    if (!defaults.is_object() || defaults.value("unit", "").empty()) {
      Problem(where, "sets no unit (fieldConfig.defaults.unit)");
    }
    const json& targets = panel.value("targets", json());
    if (!targets.is_array() || targets.empty()) {
      Problem(where, "has no targets");
      return;
    }
    for (const json& target : targets) {
      std::string expr = target.is_object() ? target.value("expr", "") : "";
      if (expr.empty()) {
        Problem(where, "has a target without an expr");
        continue;
      }
      if (target.contains("datasource") && !IsDatasourceVariable(target["datasource"])) {
        Problem(where, "a target's datasource must be \"${datasource}\"");
      }
      CheckExpr(where, expr);
    }
  }

  static bool IsDatasourceVariable(const json& datasource) {
    return datasource.is_object() && datasource.value("uid", "") == kDatasourceUid &&
           datasource.value("type", "") == "prometheus";
  }

  void CheckExpr(const std::string& where, std::string expr) {
    for (size_t at = expr.find(kRateInterval); at != std::string::npos;
         at = expr.find(kRateInterval, at)) {
      expr.replace(at, kRateInterval.size(), "5m");
    }
    if (expr.find('$') != std::string::npos) {
      Problem(where, "uses a variable other than $__rate_interval: " + expr);
    }
    for (const std::string& name : UnknownNames(expr, known_)) {
      Problem(where, "uses " + name + ", which is neither in metrics/names.h nor recorded");
    }
    exprs_.push_back(expr);
  }

  const std::set<std::string>& known_;
  std::vector<std::string> exprs_;
  int panels_ = 0;
  int problems_ = 0;
};

json RulesFile(const std::vector<std::string>& exprs) {
  json rules = json::array();
  for (size_t i = 0; i < exprs.size(); ++i) {
    rules.push_back({{"record", "dashboard:expr_" + std::to_string(i + 1)}, {"expr", exprs[i]}});
  }
  return {{"groups", json::array({{{"name", "dashboard"}, {"rules", rules}}})}};
}

int Run(const Options& options) {
  std::optional<std::string> dashboard_text = ReadFile(options.dashboard);
  std::optional<std::string> names_h = ReadFile(options.names);
  if (!dashboard_text || !names_h) return 1;
  std::vector<std::string> rules_texts;
  for (const std::string& path : options.rules) {
    std::optional<std::string> text = ReadFile(path);
    if (!text) return 1;
    rules_texts.push_back(*std::move(text));
  }
  std::set<std::string> known = KnownNames(*names_h, rules_texts);

  int problems = 0;
  for (size_t i = 0; i < rules_texts.size(); ++i) {
    for (const std::string& name : UnknownNames(rules_texts[i], known)) {
      std::cerr << options.rules[i] << ": uses " << name
                << ", which is neither in metrics/names.h nor recorded\n";
      ++problems;
    }
  }

  json dashboard;
  try {
    dashboard = json::parse(*dashboard_text);
  } catch (const json::parse_error& e) {
    std::cerr << options.dashboard << ": not valid JSON: " << e.what() << "\n";
    return 1;
  }
  DashboardChecker checker(known);
  try {
    checker.CheckDashboard(dashboard);
  } catch (const json::exception& e) {  // a field of the wrong JSON type
    std::cerr << options.dashboard << ": unexpected structure: " << e.what() << "\n";
    return 1;
  }
  problems += checker.problems();

  std::ofstream out(options.out);
  out << RulesFile(checker.exprs()).dump(2) << "\n";
  if (!out.flush()) {
    std::cerr << "cannot write " << options.out << "\n";
    return 1;
  }
  std::cout << options.dashboard << ": " << checker.panels() << " panels, "
            << checker.exprs().size() << " queries, " << problems << " problem(s)\n";
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options = ParseOptions(argc, argv);
  if (!options) return 2;
  return Run(*options);
}
