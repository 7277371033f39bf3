@email @calendly @database
Feature: Cancellation notices say who canceled, and a reschedule is not a cancellation
  A cancellation on Calendly reaches the app as a webhook; both people get one
  notice naming who canceled and why. A reschedule sends one "moved" mail with the
  old and the new time, and no cancellation.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes
    And "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app

  Scenario: The host cancels: the client is told the builder canceled, and why
    When the host cancels the booking on Calendly saying "I am ill, sorry"
    Then "grace@example.com" receives exactly 1 cancellation mail
    And the mail's subject starts with "Canceled: Intro call on"
    And the mail says "Your Intro call with Ada Stone on"
    And the mail says "Canceled by: Ada Stone (the builder)"
    And the mail says "Reason given: I am ill, sorry"
    And the mail says "Book another time"
    And the mail gives the session's start in "UTC"
    And the mail has no empty template variables
    And "ada-stone@builders.example.com" receives exactly 1 cancellation mail
    And the mail says "Canceled by: You"
    And the mail gives the session's start in "Europe/London"

  Scenario: The invitee cancels: the builder is told the client canceled
    When the invitee cancels the booking on Calendly saying "Found another slot"
    Then "ada-stone@builders.example.com" receives exactly 1 cancellation mail
    And the mail says "The Intro call with Grace Example on"
    And the mail says "Canceled by: Grace Example (the client)"
    And the mail says "Reason given: Found another slot"
    And the mail does not say "Book another time"
    And "grace@example.com" receives exactly 1 cancellation mail
    And the mail says "Canceled by: You"
    And no mail of the scenario has empty template variables

  Scenario Outline: A reschedule sends one moved mail and no cancellation (<order>)
    When the invitee reschedules to the next day on Calendly, Calendly announcing the <order>
    Then "grace@example.com" receives exactly 1 moved mail
    And the mail's subject starts with "Moved: Intro call is now on"
    And the mail gives the old start and the new start in "UTC"
    And the mail has no empty template variables
    And "ada-stone@builders.example.com" receives exactly 1 moved mail
    And the mail gives the old start and the new start in "Europe/London"
    And "grace@example.com" receives no cancellation mail
    And "ada-stone@builders.example.com" receives no cancellation mail
    And "grace@example.com" receives exactly 1 confirmation mail

    Examples:
      | order          |
      | canceled_first |
      | created_first  |
