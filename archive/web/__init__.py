"""archive/web"""
