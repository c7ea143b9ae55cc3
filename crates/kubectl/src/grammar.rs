//! The kubectl command grammar.
