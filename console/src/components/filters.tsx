import type { ComponentChildren } from 'preact';

/** A labelled filter control; every filter bar is built of these. */
export function Field({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

export function Select({ id, value, options, onChange, allLabel = 'All' }: {
  id: string;
  value: string;
  options: ReadonlyArray<string | readonly [string, string]>;
  onChange: (value: string) => void;
  allLabel?: string | null;
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {allLabel !== null ? <option value="">{allLabel}</option> : null}
      {options.map((option) => {
        const [optionValue, text] = typeof option === 'string' ? [option, option] : option;
        return (
          <option key={optionValue} value={optionValue}>
            {text}
          </option>
        );
      })}
    </select>
  );
}
