import { Placeholder } from '../layout/Placeholder.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';

export function Day0View({ width, height }: { width: number; height: number }) {
  useKeyContexts([]);
  return <Placeholder title="Day-0 · Design" lines={['The design wizard will be here.']} width={width} height={height} />;
}
