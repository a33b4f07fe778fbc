//! Government purchase of services and its three-party evaluation (豫安委〔2017〕17号 九(二)).
