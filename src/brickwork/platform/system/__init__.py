"""Platform area: facts about this installation (instance id, bootstrap administrator)."""
