// Seed file; replaced by the target's real tests.
