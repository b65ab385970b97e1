import { Placeholder } from '../layout/Placeholder.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';

export function Day1View({ width, height }: { width: number; height: number }) {
  useKeyContexts([]);
  return (
    <Placeholder
      title="Day-1 · Deploy"
      lines={['Runs of your stacks will be here: live output, plans, policy results and approvals.']}
      width={width}
      height={height}
    />
  );
}
