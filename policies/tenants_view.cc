#include "policies/tenants_view.h"

namespace sharc::policies {

std::string_view ParentOf(std::string_view tenant) {
  size_t slash = tenant.find('/');
  return slash == std::string_view::npos ? std::string_view() : tenant.substr(0, slash);
}

void TenantsView::Add(TenantView tenant) {
  std::string name = tenant.name;
  tenants_[name] = std::move(tenant);
}

void TenantsView::Finalize() {
  children_.clear();
  subtree_.clear();
  enterprises_.clear();
  for (const auto& [name, tenant] : tenants_) {
    if (tenant.parent.empty()) {
      enterprises_.push_back(name);
    } else {
      children_[tenant.parent].push_back(name);
    }
    for (const std::string& owner : {name, tenant.parent}) {
      if (owner.empty()) continue;
      SubtreeUsage& sum = subtree_[owner];
      (void)sum.held.Add(tenant.held);  // bounded by the cluster's size: no overflow
      sum.running += tenant.running;
      sum.pending += tenant.pending;
      sum.usage += tenant.usage;
    }
  }
}

const TenantView* TenantsView::Find(std::string_view name) const {
  auto it = tenants_.find(name);
  return it == tenants_.end() ? nullptr : &it->second;
}

const std::vector<std::string>& TenantsView::ChildrenOf(std::string_view name) const {
  static const std::vector<std::string> kNone;
  auto it = children_.find(name);
  return it == children_.end() ? kNone : it->second;
}

const SubtreeUsage& TenantsView::SubtreeOf(std::string_view name) const {
  static const SubtreeUsage kNone;
  auto it = subtree_.find(name);
  return it == subtree_.end() ? kNone : it->second;
}

}  // namespace sharc::policies
