"""Persona forensics: style features, the Delta family of attribution methods, reference corpora."""
