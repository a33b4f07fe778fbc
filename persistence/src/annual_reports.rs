//! Annual report narratives and published reports (二(三)).
