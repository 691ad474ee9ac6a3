/** Who is calling: a resolved API key. Every service takes it; the key service makes it. */
export interface Principal {
  keyId: string;
  /** The 9-letter owner handle of the key: the first part of its characters' usernames. */
  owner: string;
  name: string;
  admin: boolean;
}
