"""Pure interpreters of Brickwork definitions.

Nothing under this package touches a database, the network, the clock, randomness or the
environment: the platform passes those in and applies the effects the engines return.
"""
