"""Test support shared by every app's tests: factories (plain functions) and a pytest plugin for parallel runs."""
