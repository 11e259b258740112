export { default } from '@inst/eslint-config';
