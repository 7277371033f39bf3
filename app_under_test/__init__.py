"""app_under_test"""
