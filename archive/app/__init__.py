"""archive/app"""
