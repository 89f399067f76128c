/** Research cohorts: the filter language, the rows it is evaluated on, patient-level splits. Pure. */
export * from './filter';
export * from './rows';
export * from './split';
