// The TorchScript model behind NerModel (docs/model-format.md): the alsel_torch library, the only
// code that includes libtorch.
//
//   alsel::ModelOptions options;
//   options.path = "models/msra-bert3-crf.pt";
//   std::unique_ptr<alsel::NerModel> model = alsel::load_torchscript_model(options);
//   alsel::run_select(config, alsel::load_torchscript_model);   // a ModelFactory
#pragma once

#include <memory>

#include "alsel/model/ner_model.h"

namespace alsel {

// Loads a TorchScript archive and checks it against the model contract; throws ModelError
// saying what is wrong.
std::unique_ptr<NerModel> load_torchscript_model(const ModelOptions& options);

}  // namespace alsel
