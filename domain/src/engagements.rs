//! Engagements (service contracts) between an enterprise and a provider (豫安委〔2017〕17号 二, 八(三)).
