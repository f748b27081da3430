"""Field encryption: the key file, AES-256-GCM ciphertexts with key ids, blind indexes, rotation.

Keys live outside the database (DESIGN §4, §8). Nothing here logs plaintext or key material.
"""
