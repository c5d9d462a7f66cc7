// Exception types of the alsel library and the process exit code each maps to.
//
//   throw alsel::InputError("pool.jsonl:12: text is empty");
//
// The library never exits; the CLI catches these and returns exit_code().
#pragma once

#include <stdexcept>
#include <string>

namespace alsel {

// Documented process exit codes (README "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,     // a bug or an unexpected library failure
  kExitUsage = 2,        // bad flags or flag values
  kExitInput = 3,        // bad pool / labeled / data file (or --strict reject)
  kExitModel = 4,        // model file missing or breaking the model contract
  kExitOutput = 5,       // output could not be written
  kExitInterrupted = 130 // SIGINT; SIGTERM and SIGHUP exit 128 + signal (143, 129); temp files
                         // are removed, previous outputs kept
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  virtual int exit_code() const { return kExitInternal; }
};

class InternalError : public Error {
 public:
  using Error::Error;
};

class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitUsage; }
};

class InputError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitInput; }
};

class ModelError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitModel; }
};

class OutputError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitOutput; }
};

}  // namespace alsel
