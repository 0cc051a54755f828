// A list of cards kept by key: each item's card is made once and updated in place when its item changes,
// and cards are moved only when the order changes, so that a card being worked in (a reason being typed,
// advice being read, a button with focus) is never replaced under the user's hands. Redraws come with every
// live alert, about once a second on a busy line.

export interface Card<T> {
  el: HTMLElement;
  /// Brings the card up to date with its item (text and which buttons apply), keeping what the user typed.
  update(item: T): void;
}

export class KeyedList<T> {
  private cards = new Map<string, Card<T>>();

  constructor(
    readonly parent: HTMLElement,
    private key: (item: T) => string,
    private make: (item: T) => Card<T>,
  ) {}

  /// The card of `key`, if it is drawn.
  card(key: string): Card<T> | undefined {
    return this.cards.get(key);
  }

  /// Shows `items` in this order: new cards made, the others updated, those gone removed (unless the user is
  /// working in one: it stays, at the end, until they leave it).
  render(items: T[]): void {
    const active = document.activeElement instanceof HTMLElement && this.parent.contains(document.activeElement) ? document.activeElement : null;
    const selection =
      active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? [active.selectionStart, active.selectionEnd] : null;
    const wanted: HTMLElement[] = [];
    const keep = new Set<string>();
    for (const item of items) {
      const k = this.key(item);
      if (keep.has(k)) continue;
      keep.add(k);
      let card = this.cards.get(k);
      if (!card) {
        card = this.make(item);
        this.cards.set(k, card);
      }
      card.update(item);
      wanted.push(card.el);
    }
    for (const [k, card] of this.cards) {
      if (keep.has(k)) continue;
      if (active && card.el.contains(active)) {
        wanted.push(card.el);
        continue;
      }
      card.el.remove();
      this.cards.delete(k);
    }
    // Move only what is out of place.
    let at: ChildNode | null = this.parent.firstChild;
    for (const el of wanted) {
      if (el === at) {
        at = at.nextSibling;
      } else {
        this.parent.insertBefore(el, at);
      }
    }
    while (at) {
      const next: ChildNode | null = at.nextSibling;
      at.remove();
      at = next;
    }
    // A card moved with the focus in it loses it: it is given back, with the caret where it was.
    if (active?.isConnected && document.activeElement !== active) {
      active.focus({ preventScroll: true });
      if (selection && (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement)) {
        active.setSelectionRange(selection[0], selection[1]);
      }
    }
  }
}
