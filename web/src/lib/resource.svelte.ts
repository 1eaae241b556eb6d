// Something fetched for a component: loads when created and again whenever the state its loader reads changes
// (the message ID), dropping answers that arrive after the question changed. Create it during component set-up.
// reload() loads again with `fresh` true, for checks whose server caches its answer.
import { errorText } from './api.ts';

export class Resource<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  loading = $state(true);
  #reloads = $state(0);
  #fresh = false;

  constructor(load: (fresh: boolean) => Promise<T>) {
    $effect(() => {
      void this.#reloads;
      const fresh = this.#fresh;
      this.#fresh = false;
      let current = true;
      this.loading = true;
      this.error = null;
      load(fresh).then(
        (value) => {
          if (!current) return;
          this.value = value;
          this.loading = false;
        },
        (err: unknown) => {
          if (!current) return;
          this.error = errorText(err);
          this.loading = false;
        },
      );
      return () => {
        current = false;
      };
    });
  }

  /** Loads again, asking the server not to answer from its cache. */
  reload(): void {
    this.#fresh = true;
    this.#reloads++;
  }
}
