"""The out-of-box catalogue as plain data: providers, models, aliases, skills, records, agents.

Kept apart from the seeding code so the catalogue reads like a table and can be reviewed (or
extended) without touching any logic. `console.services.catalog` turns it into rows.
"""
