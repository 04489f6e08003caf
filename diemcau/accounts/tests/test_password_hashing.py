"""Signing in costs OWASP's Argon2id, not Django's heavier default (the slow first page after sign-in)."""

from django.contrib.auth.hashers import Argon2PasswordHasher

from diemcau.accounts.hashers import ProvinceArgon2PasswordHasher


def test_it_hashes_with_owasps_argon2id_parameters():
    encoded = ProvinceArgon2PasswordHasher().encode("correct-horse", ProvinceArgon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert ProvinceArgon2PasswordHasher().verify("correct-horse", encoded)


def test_a_hash_made_with_django_defaults_still_verifies_and_is_renewed_at_sign_in():
    old = Argon2PasswordHasher().encode("correct-horse", Argon2PasswordHasher().salt())
    hasher = ProvinceArgon2PasswordHasher()
    assert hasher.verify("correct-horse", old)
    assert hasher.must_update(old)
    assert not hasher.must_update(hasher.encode("correct-horse", hasher.salt()))
