"""Custom actions for the ICP filing assistant (rasa-sdk action server).

rasa-sdk imports every module of this package and registers each concrete Action
subclass, so modules must not do work at import time and shared bases are abstract.
"""
