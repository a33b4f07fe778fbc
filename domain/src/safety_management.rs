//! Part-time safety manager equivalence (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).
