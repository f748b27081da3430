"""Platform area: rules (decision models and their evaluation; event-condition-action rules)."""
