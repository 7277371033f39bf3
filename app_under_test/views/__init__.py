"""app_under_test/views"""
