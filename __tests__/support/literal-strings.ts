/**
 * Free text the configuration lets through (profiles; tags in AWS's tag characters) that looks
 * like something to cdktf or Terraform: `$`, `%`, braces, quotes, backslashes, cdktf's encoding of
 * a number token. None of it holds `${` or `%{`, which the configuration refuses.
 */
export const LITERAL_PROFILES = ["team$a%b{c}d\"e\\f'g`h", "-1.8881545897087626e+289", "$", "%", "a}b{"];
export const LITERAL_TAGS = { Kostenstelle: "Müller/42 = ok", チーム: "ストリーミング", "a.b:c/d=e+f-g@h_i": "1e+289" };
