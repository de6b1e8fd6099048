//! terradl-predict
