//! Government purchase projects and their evaluations (九(二)).
