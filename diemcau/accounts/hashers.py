"""Argon2id with the parameters OWASP recommends for a web sign-in.

Django's Argon2 defaults (100 MiB of memory, 8 lanes, 2 passes) cost about a second of CPU
on the province's two-core server, every sign-in: the first page after signing in took
1,5–3,8 s while the overview itself takes 0,3 s. OWASP's Password Storage Cheat Sheet gives
19 MiB, 2 passes, 1 lane as a sound minimum for Argon2id; that is a third of the time. Hashes
made with other parameters still verify and are re-hashed with these at the next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ProvinceArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
