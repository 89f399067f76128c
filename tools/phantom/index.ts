/**
 * The synthetic CT phantom lives in the product (main/services/demo/phantom: the demo patient is
 * made with it); tests, benchmarks, training and e2e keep importing it from here.
 */
export * from '../../main/services/demo/phantom/index';
