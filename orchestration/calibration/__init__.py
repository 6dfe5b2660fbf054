"""Calibration: learn the scoring configuration from the warehouse's own history, propose it as
seed files with a report, and accept it on request."""
