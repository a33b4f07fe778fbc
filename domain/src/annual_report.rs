//! The annual performance report a provider publishes (豫安委〔2017〕17号 二(三), 七).
