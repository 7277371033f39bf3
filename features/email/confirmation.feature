@email @database
Feature: Confirmation mails after a booking
  Every booking confirms by mail to the client and to the builder, each in their
  own time zone, rendered from the app's SendGrid dynamic templates with every
  variable filled.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  @smoke
  Scenario: A free booking confirms to the client and to the builder, each in their own zone
    Given a visitor whose browser is set to "America/New_York"
    When the visitor opens the session "Intro call" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the confirmation page says "You're booked"
    And "grace@example.com" receives exactly 1 confirmation mail
    And the mail's subject starts with "Booked: Intro call with Ada Stone on"
    And the mail says "Hi Grace Hopper,"
    And the mail says "You are booked for Intro call with Ada Stone."
    And the mail gives the session's start in "America/New_York"
    And the mail says "Length: 30 minutes"
    And the mail says "Price: Free"
    And the mail has no empty template variables
    And the mail's link opens the booking page of "grace@example.com"
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
    And the mail's subject starts with "New booking: Intro call with Grace Hopper on"
    And the mail says "Grace Hopper booked Intro call with you."
    And the mail gives the session's start in "Europe/London"
    And the mail has no empty template variables
    And the operator sees no dead mail

  Scenario: A booking made on Calendly directly is confirmed by mail too
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then "grace@example.com" receives exactly 1 confirmation mail
    And the mail says "You are booked for Intro call with Ada Stone."
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
    And no mail of the scenario has empty template variables
