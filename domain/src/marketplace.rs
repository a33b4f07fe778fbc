//! The marketplace of 豫安委〔2017〕17号 九(三): which providers may serve a demand, and in what order.
