"""simulators/sendgrid"""
