"""archive/db"""
