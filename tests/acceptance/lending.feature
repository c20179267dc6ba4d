Feature: Lending books
  A library lends its published books to its own members. A book on loan cannot
  be lent again, and a member has at most five books at a time.

  Scenario: A member borrows two of three books by the same author
    Given 3 published books by the same author in one tenant
    And a member of that tenant
    When the member borrows two of them
    Then the tenant has 2 loans, both to that member
    And the third book can still be borrowed by another member

  Scenario: A book on loan cannot be lent again
    Given a published book
    And a member of its tenant who has borrowed it
    And another member of its tenant
    When the member borrows the book
    Then the service refuses with "book_on_loan"

  Scenario: A member with five books on loan cannot borrow a sixth
    Given a member with 5 books on loan
    And a published book of the member's tenant
    When the member borrows the book
    Then the service refuses with "loan_limit_reached"
