// Something fetched for a component: loads when created and again whenever the state its loader reads changes
// (the message ID), dropping answers that arrive after the question changed. Create it during component set-up.
import { ApiError } from './api.ts';

export class Resource<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  loading = $state(true);

  constructor(load: () => Promise<T>) {
    $effect(() => {
      let current = true;
      this.loading = true;
      this.error = null;
      load().then(
        (value) => {
          if (!current) return;
          this.value = value;
          this.loading = false;
        },
        (err: unknown) => {
          if (!current) return;
          this.error = err instanceof ApiError ? err.message : 'Mailcove is not answering.';
          this.loading = false;
        },
      );
      return () => {
        current = false;
      };
    });
  }
}
