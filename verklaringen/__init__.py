"""verklaringen"""
