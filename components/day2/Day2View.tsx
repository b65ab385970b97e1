import { Placeholder } from '../layout/Placeholder.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';

export function Day2View({ width, height }: { width: number; height: number }) {
  useKeyContexts([]);
  return (
    <Placeholder
      title="Day-2 · Operate"
      lines={['The dashboard of drift, alerts and backups of every stack will be here.']}
      width={width}
      height={height}
    />
  );
}
