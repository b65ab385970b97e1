/**
 * The baseline of the dashboard benchmark: a bare Ink hello world, drawn in the terminal it is given (the
 * benchmark runs it in a pseudo-terminal and stops it once the text is on screen).
 */
import { render, Text } from 'ink';

const instance = render(<Text>Hello, world</Text>);
await instance.waitUntilExit();
