interface Node<T> {
  item: T | undefined;
  prev: Node<T> | undefined;
  next: Node<T> | undefined;
}

/**
 * An insertion-ordered collection whose `add` returns the function that
 * removes that entry, for registrations that come and go at request rate
 * (a drain hook per open stream).
 *
 * Not a `Set`: V8 keeps a rehashed Set's obsolete table, entries included,
 * linked to its successor, and once a table is in old space so is every
 * later one; each obsolete table then keeps its entries (closures holding a
 * stream's request and response) alive through every scavenge until the
 * next mark-compact. Measured on SSE streams: ~1.1 MB promoted per scavenge.
 * A removed node here drops its links, so nothing dead points at the living.
 */
export class RemovableList<T> {
  #head: Node<T> | undefined;
  #tail: Node<T> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends `item`; the returned function removes it (again: a no-op). */
  add(item: T): () => void {
    const node: Node<T> = { item, prev: this.#tail, next: undefined };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      if (node.prev) node.prev.next = node.next;
      else this.#head = node.next;
      if (node.next) node.next.prev = node.prev;
      else this.#tail = node.prev;
      // A remover kept by its caller keeps only this empty node.
      node.prev = node.next = node.item = undefined;
      this.#size--;
    };
  }

  /** The items in insertion order, as a snapshot (entries may be removed while it is used). */
  toArray(): T[] {
    const items: T[] = [];
    for (let node = this.#head; node; node = node.next) items.push(node.item as T);
    return items;
  }
}
