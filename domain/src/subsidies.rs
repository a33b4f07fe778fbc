//! Small-enterprise subsidy programmes (豫安委〔2017〕17号 九(三)).
