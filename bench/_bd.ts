import { benchDurable } from './durable.ts';
import { printFigures } from './figures.ts';
printFigures('Durable state', await benchDurable());
