//! CLI suites.
