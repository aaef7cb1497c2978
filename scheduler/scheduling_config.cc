#include "scheduler/scheduling_config.h"

#include <algorithm>

#include "core/units.h"
#include "policies/registry.h"

namespace sharc::scheduler {
namespace {

using policies::BackfillMode;
using policies::NodeSearch;
using policies::PriorityClass;
using policies::ProfileConfig;
using protocol::FieldReader;
using protocol::Json;

void ReadNames(FieldReader& r, std::string_view key, std::vector<std::string>* out) {
  r.OptionalStringList(key, out);
}

Status ReadScores(const Json& json, const std::string& where,
                  std::vector<ProfileConfig::WeightedPlugin>* out) {
  if (!json.is_array()) return InvalidArgumentError(where + ": must be a list");
  out->clear();
  for (size_t i = 0; i < json.size(); ++i) {
    FieldReader s(json[i], where + "[" + std::to_string(i) + "]");
    ProfileConfig::WeightedPlugin plugin;
    s.RequiredString("name", &plugin.name);
    s.OptionalInt("weight", &plugin.weight, 1, 1000);
    SHARC_RETURN_IF_ERROR(s.Finish());
    out->push_back(std::move(plugin));
  }
  return Status::Ok();
}

Status ReadProfile(const Json& json, const std::string& where, ProfileConfig* p) {
  FieldReader r(json, where);
  r.OptionalString("queue_sort", &p->queue_sort);
  ReadNames(r, "pre_filter", &p->pre_filter);
  ReadNames(r, "filter", &p->filter);
  ReadNames(r, "permit", &p->permit);
  ReadNames(r, "post_filter", &p->post_filter);
  const Json* score = r.OptionalRaw("score");
  std::string search, backfill;
  r.OptionalString("node_search", &search);
  r.OptionalString("backfill", &backfill);
  r.OptionalInt32("nodes_to_score", &p->nodes_to_score, 1, 10000);
  r.OptionalInt32("reservations", &p->reservations, 0, 100000);
  static const std::map<std::string, NodeSearch> kSearch{{"tightest", NodeSearch::kTightest},
                                                         {"loosest", NodeSearch::kLoosest},
                                                         {"first-fit", NodeSearch::kFirstFit}};
  static const std::map<std::string, BackfillMode> kBackfill{
      {"off", BackfillMode::kOff},
      {"easy", BackfillMode::kEasy},
      {"conservative", BackfillMode::kConservative}};
  if (!search.empty() && r.ok()) {
    auto it = kSearch.find(search);
    if (it == kSearch.end()) {
      r.Fail("node_search", "'" + search + "' is not tightest, loosest or first-fit");
    } else {
      p->node_search = it->second;
    }
  }
  if (!backfill.empty() && r.ok()) {
    auto it = kBackfill.find(backfill);
    if (it == kBackfill.end()) {
      r.Fail("backfill", "'" + backfill + "' is not off, easy or conservative");
    } else {
      p->backfill = it->second;
    }
  }
  SHARC_RETURN_IF_ERROR(r.Finish());
  if (score) SHARC_RETURN_IF_ERROR(ReadScores(*score, r.Path("score"), &p->score));
  return Status::Ok();
}

Status ReadClasses(const Json& json, std::vector<PriorityClass>* out) {
  const std::string where = "scheduling.priority_classes";
  if (!json.is_array() || json.empty()) {
    return InvalidArgumentError(where + ": must be a list of at least one class");
  }
  out->clear();
  for (size_t i = 0; i < json.size(); ++i) {
    FieldReader c(json[i], where + "[" + std::to_string(i) + "]");
    PriorityClass pc;
    c.RequiredString("name", &pc.name);
    int64_t value = 0;
    c.RequiredInt("value", &value, -1'000'000'000, 1'000'000'000);
    pc.value = static_cast<int32_t>(value);
    c.OptionalBool("preemptible", &pc.preemptible);
    c.OptionalBool("preempt_across_tenants", &pc.preempt_across_tenants);
    SHARC_RETURN_IF_ERROR(c.Finish());
    out->push_back(std::move(pc));
  }
  std::stable_sort(out->begin(), out->end(),
                   [](const auto& a, const auto& b) { return a.value > b.value; });
  return Status::Ok();
}

bool ValidClassName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

}  // namespace

SchedulingConfig::SchedulingConfig()
    : profiles(policies::BuiltinProfiles()),
      priority_classes{
          {"high", 1000, false, true}, {"normal", 100, true, false}, {"low", 0, true, false}} {}

const PriorityClass* SchedulingConfig::FindClass(std::string_view name) const {
  for (const PriorityClass& pc : priority_classes) {
    if (pc.name == name) return &pc;
  }
  return nullptr;
}

Status ApplySchedulingJson(const Json& json, SchedulingConfig* c) {
  FieldReader r(json, "scheduling");
  r.OptionalString("profile", &c->profile);
  r.OptionalString("default_priority_class", &c->default_priority_class);
  const Json* profiles = r.OptionalRaw("profiles");
  const Json* classes = r.OptionalRaw("priority_classes");
  std::string half_life, full_interval;
  r.OptionalString("fair_share_half_life", &half_life);
  r.OptionalInt32("queue_depth", &c->queue_depth, 1, 10'000'000);
  r.OptionalString("full_cycle_interval", &full_interval);
  if (!full_interval.empty() && r.ok()) {
    if (StatusOr<std::chrono::milliseconds> d = ParseDurationMillis(full_interval); d.ok()) {
      c->full_cycle_interval = *d;
    } else {
      r.Fail("full_cycle_interval", d.status().message());
    }
  }
  if (!half_life.empty() && r.ok()) {
    if (half_life == "0") {
      c->fair_share_half_life = std::chrono::milliseconds(0);
    } else if (StatusOr<std::chrono::milliseconds> d = ParseDurationMillis(half_life); d.ok()) {
      c->fair_share_half_life = *d;
    } else {
      r.Fail("fair_share_half_life", d.status().message());
    }
  }
  SHARC_RETURN_IF_ERROR(r.Finish());
  if (classes) SHARC_RETURN_IF_ERROR(ReadClasses(*classes, &c->priority_classes));
  if (profiles) {
    if (!profiles->is_object()) {
      return InvalidArgumentError("scheduling.profiles: must be an object of named profiles");
    }
    for (const auto& [name, body] : profiles->items()) {
      ProfileConfig profile = policies::BuiltinProfiles().at("default");
      profile.name = name;
      SHARC_RETURN_IF_ERROR(ReadProfile(body, "scheduling.profiles." + name, &profile));
      c->profiles[name] = std::move(profile);
    }
  }
  return ValidateSchedulingConfig(*c);
}

Status ValidateSchedulingConfig(const SchedulingConfig& c) {
  std::vector<std::string> names;
  for (const PriorityClass& pc : c.priority_classes) {
    if (!ValidClassName(pc.name)) {
      return InvalidArgumentError("scheduling.priority_classes: '" + pc.name +
                                  "' is not a valid name (1 to 63 of a-z, 0-9, - and _)");
    }
    if (std::find(names.begin(), names.end(), pc.name) != names.end()) {
      return InvalidArgumentError("scheduling.priority_classes: '" + pc.name + "' twice");
    }
    names.push_back(pc.name);
  }
  if (c.FindClass(c.default_priority_class) == nullptr) {
    return InvalidArgumentError("scheduling.default_priority_class: '" + c.default_priority_class +
                                "' is not a priority class");
  }
  if (!c.profiles.count(c.profile)) {
    std::string known;
    for (const auto& [name, p] : c.profiles) known += (known.empty() ? "" : ", ") + name;
    return InvalidArgumentError("scheduling.profile: '" + c.profile +
                                "' is not a profile; known: " + known);
  }
  policies::PluginRegistry registry;
  policies::RegisterBuiltinPlugins(registry);
  for (const auto& [name, profile] : c.profiles) {
    SHARC_RETURN_IF_ERROR(registry.Build(profile).status().WithPrefix("scheduling.profiles"));
  }
  return Status::Ok();
}

}  // namespace sharc::scheduler
