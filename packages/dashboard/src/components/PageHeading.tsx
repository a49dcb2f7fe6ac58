import { type ReactElement, type ReactNode, useEffect, useRef } from 'react';

/**
 * The page's h1. It takes focus when the page opens, so keyboard and screen-reader users land on the
 * new content after a client-side navigation instead of staying on the old link.
 */
export function PageHeading({
  children,
  actions,
}: {
  children: ReactNode;
  actions?: ReactNode;
}): ReactElement {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div className="page-heading">
      <h1 ref={ref} tabIndex={-1}>
        {children}
      </h1>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}
