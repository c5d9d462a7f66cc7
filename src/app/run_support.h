// Pieces shared by the subcommand implementations (private to src/).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"

namespace alsel {

// Loads the model and logs what was loaded (and the model's own warning, if any).
std::unique_ptr<NerModel> load_model_logged(const ModelOptions& options);

// Known-entity texts from labeled files; logs how many, or that every entity counts as unknown.
std::unordered_set<std::string> load_known_entities(const std::vector<std::string>& labeled,
                                                    bool needed);

// Receives rejected lines: one-line warning, the rejects file, or (strict) an InputError.
class RejectHandler {
 public:
  explicit RejectHandler(const PoolOptions& options);
  void operator()(const PoolItem& item);
  void commit();  // writes the rejects file atomically (even when it is empty)
 private:
  bool strict_;
  std::optional<AtomicOutputFile> file_;
};

nlohmann::ordered_json entities_json(const std::vector<EntitySpan>& entities);
void add_measures_json(const Measures& measures, nlohmann::ordered_json& out);
void log_summary(const char* command, const RunSummary& summary);

}  // namespace alsel
